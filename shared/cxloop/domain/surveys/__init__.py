"""What a survey is and how it is answered: definitions, scoring, pages, survey links and QR codes."""
