"""Read and write queries, one module per concern; each implements a Protocol in
facilitator_app/services/ports.py."""
