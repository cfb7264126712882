"""A model client: any :class:`Provider` wrapped with cache -> budget -> retries -> log.

Whatever sends chat requests (the LLM writer, a benchmark, a future tool) gets the same
guarantees from :class:`ModelClient`: a cached answer costs nothing, no call goes out that the
budget cannot hold, transient failures are retried honouring ``Retry-After``, and every call
(cached or not, failed or not) is logged.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable

from diffinsight.models import Usage
from diffinsight.providers.base import (
    ChatRequest,
    ChatResult,
    Provider,
    ProviderError,
    TransientProviderError,
)
from diffinsight.providers.base import Usage as CallUsage
from diffinsight.writers.llm.cache import CallCache, request_key
from diffinsight.writers.llm.compress import estimate_tokens
from diffinsight.writers.llm.settings import LLMSettings

log = logging.getLogger(__name__)


class BudgetExceeded(Exception):
    """The next call would take the run past ``--max-cost`` or the token budget."""


class Meter:
    """Usage of one report (all its languages), safe to update from worker threads."""

    def __init__(self, settings: LLMSettings, languages: list[str], provider: str = "") -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.usage = Usage(languages=list(languages), provider=provider)
        self._priced = True

    def record(self, result: ChatResult) -> None:
        """Count one answer (cached answers count as hits and cost nothing)."""
        with self._lock:
            if result.model and result.model not in self.usage.models:
                self.usage.models.append(result.model)
            if result.cached:
                self.usage.cache_hits += 1
                return
            self.usage.calls += 1
            self.usage.input_tokens += result.usage.input_tokens
            self.usage.output_tokens += result.usage.output_tokens
            price = self._settings.price(result.model)
            if price is None:
                self._priced = False
            elif self.usage.estimated_cost_usd is not None:
                self.usage.estimated_cost_usd += (
                    result.usage.input_tokens * price.input
                    + result.usage.output_tokens * price.output
                ) / 1e6
            if not self._priced:
                self.usage.estimated_cost_usd = None

    def retry(self) -> None:
        """Count one retried attempt."""
        with self._lock:
            self.usage.retries += 1

    def failed(self, error: str) -> None:
        """Count one call that failed for good (after its retries)."""
        with self._lock:
            self.usage.failed_calls += 1
            self.usage.last_error = error

    def done(self) -> Usage:
        """The final figures (cost rounded to micro-dollars)."""
        u = self.usage.model_copy()
        if u.estimated_cost_usd is not None:
            u.estimated_cost_usd = round(u.estimated_cost_usd, 6)
        return u


class Budget:
    """Money and tokens a whole run may spend; calls reserve before they go out."""

    def __init__(self, settings: LLMSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.spent_usd = 0.0
        self.spent_tokens = 0
        self._reserved_usd = 0.0
        self._reserved_tokens = 0

    def _cost(self, model: str, tokens_in: int, tokens_out: int) -> float:
        price = self._settings.price(model)
        if price is None:
            return 0.0
        return (tokens_in * price.input + tokens_out * price.output) / 1e6

    def reserve(self, model: str, tokens_in: int, tokens_out: int) -> tuple[float, int]:
        """Hold the worst case of one call; :class:`BudgetExceeded` if it does not fit."""
        cost = self._cost(model, tokens_in, tokens_out)
        tokens = tokens_in + tokens_out
        s = self._settings
        with self._lock:
            if s.max_cost is not None and self.spent_usd + self._reserved_usd + cost > s.max_cost:
                raise BudgetExceeded(f"max cost ${s.max_cost:g} reached")
            if (
                s.max_tokens is not None
                and self.spent_tokens + self._reserved_tokens + tokens > s.max_tokens
            ):
                raise BudgetExceeded(f"token budget {s.max_tokens} reached")
            self._reserved_usd += cost
            self._reserved_tokens += tokens
        return cost, tokens

    def settle(self, held: tuple[float, int], model: str, result: ChatResult | None) -> None:
        """Replace a reservation with what the call really cost (nothing if it failed)."""
        with self._lock:
            self._reserved_usd -= held[0]
            self._reserved_tokens -= held[1]
            if result is not None:
                u = result.usage
                self.spent_usd += self._cost(model, u.input_tokens, u.output_tokens)
                self.spent_tokens += u.input_tokens + u.output_tokens


class ModelClient:
    """Sends :class:`ChatRequest` objects through cache, budget, retries and the call log."""

    def __init__(
        self,
        provider: Provider,
        settings: LLMSettings,
        *,
        cache: CallCache | None = None,
        key_salt: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.cache = cache
        self.budget = Budget(settings)
        #: Mixed into every cache key (e.g. the version of the checks answers must pass).
        self.key_salt = key_salt
        self._sleep = sleep

    def key(self, req: ChatRequest) -> str:
        """The cache key of ``req``."""
        return request_key(req, salt=self.key_salt)

    def call(self, req: ChatRequest, purpose: str, meter: Meter) -> tuple[ChatResult, str]:
        """One answer and its cache key: from the cache, or from the provider with retries."""
        key = self.key(req)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                meter.record(hit)
                self.cache.log(key, self.provider.name, purpose, req, hit, None, 0.0, self.key_salt)
                return hit, key
        est_in = sum(estimate_tokens(m["content"]) for m in req.messages)
        if req.schema is not None and self.provider.supports_schema:
            est_in += estimate_tokens(json.dumps(req.schema, separators=(",", ":")))
        held = self.budget.reserve(req.model, est_in, req.max_tokens)
        attempt = 0
        while True:
            t0 = time.monotonic()
            try:
                result = self.provider.complete(req)
            except TransientProviderError as exc:
                self._log(key, purpose, req, None, str(exc), t0)
                if attempt >= self.settings.retries:
                    self.budget.settle(held, req.model, None)
                    error = f"{exc} (gave up after {attempt + 1} attempts)"
                    meter.failed(error)
                    raise ProviderError(error) from exc
                wait = exc.retry_after
                if wait is None:
                    wait = min(8.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2)
                wait = min(wait, self.settings.max_retry_wait)
                log.debug("%s call failed (%s); retrying in %.2fs", purpose, exc, wait)
                meter.retry()
                attempt += 1
                self._sleep(wait)
                continue
            except ProviderError as exc:
                self._log(key, purpose, req, None, str(exc), t0)
                self.budget.settle(held, req.model, None)
                meter.failed(str(exc))
                raise
            break
        if not result.usage.input_tokens and not result.usage.output_tokens:
            # Some compatible servers omit usage; count with the same estimate the budget uses.
            result.usage = CallUsage(est_in, estimate_tokens(result.content))
        if not result.model:
            result.model = req.model
        self.budget.settle(held, req.model, result)
        meter.record(result)
        self._log(key, purpose, req, result, None, t0)
        if self.cache is not None and result.finish_reason == "stop" and not result.refusal:
            self.cache.put(key, result)
        return result, key

    def _log(
        self,
        key: str,
        purpose: str,
        req: ChatRequest,
        result: ChatResult | None,
        error: str | None,
        t0: float,
    ) -> None:
        if self.cache is not None:
            self.cache.log(
                key,
                self.provider.name,
                purpose,
                req,
                result,
                error,
                time.monotonic() - t0,
                self.key_salt,
            )

    def forget(self, keys: list[str]) -> None:
        """Drop answers that turned out unusable, so a later run asks again."""
        if self.cache is not None:
            for k in keys:
                self.cache.forget(k)
