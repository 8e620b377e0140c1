"""One construct per concern: storage, messaging, alerts, secrets, functions, staff, api,
firewall, monitoring."""
