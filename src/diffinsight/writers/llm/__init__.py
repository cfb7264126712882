"""The LLM writer: settings, prompts, diff compression, the call cache and the writer itself.

Entry point: :func:`diffinsight.writers.llm.engine.select_writer`.
"""
