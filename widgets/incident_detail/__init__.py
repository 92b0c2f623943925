"""The incident pane (``IncidentDetail``) and the panels it is built from, one concern each."""

from widgets.incident_detail.pane import IncidentDetail
from widgets.incident_detail.summary import elapsed

__all__ = ["IncidentDetail", "elapsed"]
