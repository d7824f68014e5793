"""Reading and parsing: a file's bytes into text (or JOB002), CPython's syntax check,
libcst trees with their metadata (positions, scopes, parents), and module names.
"""
