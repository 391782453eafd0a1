"""Helpers shared by the test modules. No test module imports another test module (or bench)."""
