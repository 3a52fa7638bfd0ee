"""Protocol clients the messaging users speak to a backend with, one module per protocol.

Each works inside Locust's gevent world (blocking sockets that gevent makes cooperative) and
keeps the workload's semantics: the sender's user index, sequence id and send timestamp travel
with every message, and a user's own echo is never handed back as a delivery (`base`).
"""
