"""Printed paperwork: citations, welfare-check forms and logs, handoff sheets, shift reports (ReportLab)."""
