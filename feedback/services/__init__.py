"""The rules and write operations of each feature. They flush; the request (or command) commits."""
