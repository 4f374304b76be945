"""The interview engine: pure domain logic (question bank, selection, evaluation, follow-ups, feedback, report).

Nothing here touches AWS except :mod:`interview.engine.llm`, which calls Amazon Bedrock when configured.
"""
