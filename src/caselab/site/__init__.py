"""The site: the MkDocs hook that renders caselab's markers (``hook``), its charts (``charts``)
and the originality check of the retold article (``originality``)."""
