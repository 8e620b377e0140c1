"""One folder per Lambda function; each handler.py only parses, calls the domain and answers."""
