"""Summaries of a run: a dict for machines (``--json``) and a few lines of text for people."""

from __future__ import annotations

from typing import Any

from memory_machines.loadtest.config import KINDS
from memory_machines.loadtest.result import LoadResult
from memory_machines.loadtest.stats import LatencySummary
from memory_machines.loadtest.verify import VerifyResult


def _ms(summary: LatencySummary | None) -> dict[str, float] | None:
    return summary.as_ms() if summary is not None else None


def _verify_dict(v: VerifyResult) -> dict[str, Any]:
    return {
        "ok": v.ok,
        "drained": v.drained,
        "drain_wait_s": round(v.drain_wait_s, 3),
        "drain_note": v.drain_note,
        "expected": v.expected,
        "stored": v.stored,
        "lost": v.lost,
        "duplicated": v.duplicated,
        "unacknowledged": v.unacknowledged,
        "unidentified": v.unidentified,
        "lost_sample": list(v.lost_sample),
        "duplicated_sample": list(v.duplicated_sample),
        "listing_errors": list(v.listing_errors),
    }


def to_dict(result: LoadResult) -> dict[str, Any]:
    """Stable, JSON-ready summary; durations in seconds, latencies in milliseconds."""
    cfg, tally, pacing = result.config, result.tally, result.pacing
    samples = result.samples
    return {
        "ok": result.ok,
        "run_id": cfg.run_id,
        "url": cfg.base_url,
        "started_at": result.started_at.isoformat(),
        "config": {
            "rate_rps": cfg.rate_rps,
            "duration_s": cfg.duration_s,
            "concurrency": cfg.concurrency,
            "mix": str(cfg.mix),
            "tenants": cfg.tenant_ids(),
            "batch_size": cfg.batch_size,
            "text_chars": cfg.text_chars,
            "timeout_s": cfg.timeout_s,
        },
        "elapsed_s": round(result.elapsed_s, 3),
        "requests": {
            "scheduled": pacing.scheduled,
            "sent": pacing.sent,
            "completed": tally.completed,
            "by_status": result.status_counts(),
        },
        "records": {
            "sent": tally.records_sent,
            "accepted": tally.records_accepted,
            "rejected": result.records_rejected,
            "unknown": tally.records_unknown,
            "rejected_by_code": dict(sorted(tally.rejected_by_code.items())),
        },
        "rate": {
            "target_rps": cfg.rate_rps,
            "send_rps": round(pacing.send_rate_rps, 3),
            "achieved_rps": round(result.achieved_rps, 3),
            "records_per_s": round(result.records_per_s, 3),
        },
        "pacing": {
            "rate_held": pacing.rate_held,
            "late_sends": pacing.late_sends,
            "lag_tolerance_ms": round(pacing.lag_tolerance_s * 1000, 3),
            "max_lag_ms": round(pacing.max_lag_s * 1000, 3),
            "concurrency_cap_waits": pacing.cap_waits,
            "late_waiting_for_slot": pacing.late_for_slot,
        },
        "latency_ms": _ms(result.latency),
        "latency_ms_by_kind": {kind: _ms(samples.latency(kind)) for kind in KINDS},
        "verification": _verify_dict(result.verification) if result.verification else None,
    }


def _fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def pacing_warning(result: LoadResult) -> str | None:
    """Why the target rate was not held, or None when it was."""
    pacing, cfg = result.pacing, result.config
    if pacing.rate_held:
        return None
    reasons = [
        f"{pacing.late_sends} of {pacing.sent} sends started more than "
        f"{_fmt_ms(pacing.lag_tolerance_s)} late (max {_fmt_ms(pacing.max_lag_s)})"
    ]
    if pacing.sent < pacing.scheduled:
        reasons.append(f"only {pacing.sent} of {pacing.scheduled} requests were sent")
    if pacing.late_for_slot:
        reasons.append(
            f"{pacing.late_for_slot} waited for one of the {cfg.concurrency} concurrency slots "
            "(the service answers too slowly for this rate; raise --concurrency to offer more)"
        )
    if pacing.late_sends > pacing.late_for_slot:
        reasons.append(
            f"{pacing.late_sends - pacing.late_for_slot} were late because the client itself "
            "fell behind (CPU-bound? lower the rate or run more load generators)"
        )
    return "target rate not held: " + "; ".join(reasons)


def _verify_lines(v: VerifyResult) -> list[str]:
    drain = f"drained in {v.drain_wait_s:.1f} s" if v.drained else f"NOT drained ({v.drain_note})"
    lines = [
        f"verify      {'OK' if v.ok else 'FAILED'}: {drain}; {v.expected} acknowledged, "
        f"{v.stored} stored, lost {v.lost}, duplicated {v.duplicated}",
    ]
    if v.unacknowledged or v.unidentified:
        lines.append(
            f"            {v.unacknowledged} stored without acknowledgement, "
            f"{v.unidentified} listed without a log id"
        )
    lines += [f"            lost: {i}" for i in v.lost_sample]
    lines += [f"            duplicated: {i}" for i in v.duplicated_sample]
    lines += [f"            listing error: {e}" for e in v.listing_errors]
    return lines


def to_text(result: LoadResult) -> str:
    """The human summary printed at the end of a run."""
    cfg, tally, pacing = result.config, result.tally, result.pacing
    statuses = "  ".join(f"{k}: {n}" for k, n in result.status_counts().items()) or "none"
    lines = [
        f"load test   {cfg.base_url}  run {cfg.run_id}",
        f"target      {cfg.rate_rps:.2f} req/s for {cfg.duration_s:g} s "
        f"({pacing.scheduled} requests), concurrency {cfg.concurrency}, mix {cfg.mix} "
        "(json:text:ndjson)",
        f"sent        {pacing.sent} requests, {tally.records_sent} records "
        f"in {result.elapsed_s:.2f} s",
        f"achieved    {result.achieved_rps:.2f} req/s, {result.records_per_s:.1f} records/s "
        "accepted",
        f"status      {statuses}",
        f"records     accepted {tally.records_accepted}, rejected {result.records_rejected}, "
        f"unknown {tally.records_unknown}",
    ]
    if tally.rejected_by_code:
        codes = ", ".join(f"{c} {n}" for c, n in sorted(tally.rejected_by_code.items()))
        lines.append(f"rejections  {codes}")
    lat = result.latency
    if lat is not None:
        lines.append(
            f"latency     min {_fmt_ms(lat.min_s)}  p50 {_fmt_ms(lat.p50_s)}  "
            f"p95 {_fmt_ms(lat.p95_s)}  p99 {_fmt_ms(lat.p99_s)}  max {_fmt_ms(lat.max_s)}"
            "  (from scheduled send time)"
        )
    warning = pacing_warning(result)
    if warning is None:
        lines.append(f"pacing      target rate held (max send lag {_fmt_ms(pacing.max_lag_s)})")
    else:
        lines.append(f"pacing      WARNING {warning}")
    if result.verification is not None:
        lines += _verify_lines(result.verification)
    return "\n".join(lines)
