"""One construct per concern: storage, messaging, functions, api, monitoring."""
