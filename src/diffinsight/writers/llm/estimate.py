"""What a report would cost before any call is made: the planner's own calls, counted, not sent.

Used by ``report --dry-run``. The figures are the first attempt of every call (repairs and cache
hits are not known in advance): input tokens as the requests would carry them, output tokens at
each request's cap, so the cost is an upper bound for answers that need no repair.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from diffinsight.providers.base import ChatRequest
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.llm.compress import estimate_tokens
from diffinsight.writers.llm.planner import Planner
from diffinsight.writers.llm.settings import LLMSettings
from diffinsight.writers.offline import describe


@dataclass
class CallEstimate:
    """The model calls one report request would make, and their estimated cost."""

    calls: int = 0
    files_to_model: int = 0
    files_offline: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: USD; None when a model's price is unknown (add ``llm.prices``).
    cost_usd: float | None = 0.0

    def add(self, other: CallEstimate) -> None:
        """Fold ``other`` into this one."""
        self.calls += other.calls
        self.files_to_model += other.files_to_model
        self.files_offline += other.files_offline
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        if self.cost_usd is None or other.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd += other.cost_usd


def _tokens_in(req: ChatRequest) -> int:
    text = "\n".join(m["content"] for m in req.messages)
    if req.schema is not None:
        text += json.dumps(req.schema)
    return estimate_tokens(text)


def estimate_request(
    planner: Planner, settings: LLMSettings, request: ReportRequest
) -> CallEstimate:
    """The calls :class:`~diffinsight.writers.llm.writer.LLMWriter` would make for ``request``."""
    langs = list(request.languages)
    offline = {lang: [describe(af, lang) for af in request.files] for lang in langs}
    per_file = [[offline[lang][i] for lang in langs] for i in range(len(request.files))]
    units, skipped = planner.plan(request, per_file)
    est = CallEstimate(files_to_model=len(units), files_offline=len(skipped))
    if not units:
        return est  # nothing worth a call: the offline engine writes it all
    batches = planner.batches(units, len(langs))
    if planner.fits_one_call(batches, len(langs)):
        overview = planner.combined_overview(request, skipped)
        requests = [planner.files_request(batches[0], langs, overview=overview)]
    else:
        requests = [planner.files_request(b, langs) for b in batches]
        requests.append(planner.report_request(request, offline[langs[0]], langs))
    for req in requests:
        tin, tout = _tokens_in(req), req.max_tokens
        est.calls += 1
        est.input_tokens += tin
        est.output_tokens += tout
        price = settings.price(req.model)
        if price is None or est.cost_usd is None:
            est.cost_usd = None
        else:
            est.cost_usd += (tin * price.input + tout * price.output) / 1_000_000
    return est
