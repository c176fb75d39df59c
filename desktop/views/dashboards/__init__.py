"""Dashboards (issue 15): the manager's figures, charts drawn with QPainter."""
