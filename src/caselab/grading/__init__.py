"""Grading a class: intake and one sandboxed run per submission (``batch``, ``sandbox``),
then the gradebook, results and feedback files (``gradebook``) and the class report (``report``)."""
