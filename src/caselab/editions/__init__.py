"""Student editions: ``caselab release`` (``release``) and the hashed keys an edition checks with (``keyhash``)."""
