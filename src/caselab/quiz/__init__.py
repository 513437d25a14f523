"""The quiz core: quiz definitions (``model``), the case's figures and sources, reading a sheet
(``answers``, ``runner``), the checking rules (``checking``) and the sheets themselves (``sheets``).

Everything else in caselab imports from here; nothing here imports from the rest.
"""
