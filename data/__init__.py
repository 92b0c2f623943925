"""The dispatch model without Qt: ORM models, the jurisdiction pack, rules, permissions, services, the change feed and the database."""
