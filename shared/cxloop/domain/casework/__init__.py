"""Cases: opening, classifying, routing and assigning tickets, SLA clocks, escalation, alerts, the
staff desk."""
