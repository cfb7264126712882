"""The LLM writer: settings, prompts, diff compression, the call cache and the writer itself.

Entry point: :func:`diffinsight.llm.engine.select_writer`.
"""
