"""Matrix tests: each class of hostile condition tried many ways; every module prints its tried/survived figures."""
