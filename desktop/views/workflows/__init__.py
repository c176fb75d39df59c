"""The doctor's workflows in the window (issue 14): requests, the application, programmes, the
confirmation dialog and the notices sync brought."""
