"""Evaluation (API.md §6): test cases, the assertion catalogue, and how a case and an evaluation are scored.

`models` holds the request and response models (cheap to import: what validates a regex or a JSON schema is
imported only when one is validated); `assertions` holds the checks themselves, one pure function per type,
and the scoring of a case and of a whole evaluation. Neither calls a provider: the `llm_rubric` judge is
asked by the caller with the messages `assertions.rubric_messages` builds, and its reply is scored by
`assertions.score_rubric_reply`.
"""
