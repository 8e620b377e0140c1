"""Taking events in from the ERP: the signed webhook, its batch form and file imports."""
