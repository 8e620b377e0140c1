"""What an answer means: scores counted once in the live aggregates, comment insight, the ticket rules."""
