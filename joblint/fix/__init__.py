"""Fixes: the building blocks rules write them with, and applying them (verified, atomic),
for ``--fix``, ``--add-noqa`` and the libcst codemods.
"""
