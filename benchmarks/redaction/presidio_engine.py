"""Microsoft Presidio configured with pattern recognizers only: no NLP model, no network.

Presidio is imported lazily (it is an optional benchmark dependency). The analyzer gets a
no-op NLP engine, so no spaCy model is loaded or downloaded, and `tldextract` (used by its
e-mail recognizer) is pointed at its bundled suffix list instead of fetching one.
"""

from __future__ import annotations

import os
from typing import Any

# Presidio entity -> our kind. IP_ADDRESS is split by the shape of the match.
ENTITY_KINDS: dict[str, str] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IP_ADDRESS": "ipv4",
    "US_SSN": "ssn",
    "CREDIT_CARD": "credit_card",
    "IBAN_CODE": "iban",
}
SUPPORTED_KINDS: frozenset[str] = frozenset({*ENTITY_KINDS.values(), "ipv6"})


def available() -> bool:
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        return False
    return True


def _offline_tldextract() -> None:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import tldextract.tldextract as module

    module.TLD_EXTRACTOR = module.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _no_op_nlp_engine() -> Any:
    try:
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
    except ImportError:  # older presidio: a minimal engine that produces empty artifacts
        return _legacy_stub_engine()
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    engine.load()
    return engine


def _legacy_stub_engine() -> Any:
    """For presidio releases without `NoOpNlpEngine`: an engine that produces nothing."""
    from collections.abc import Iterable, Iterator

    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    vocab = Vocab()

    class StubNlpEngine(NlpEngine):
        def load(self) -> None:
            return None

        def is_loaded(self) -> bool:
            return True

        def process_text(self, text: str, language: str) -> NlpArtifacts:
            return NlpArtifacts([], Doc(vocab, words=[]), [], [], self, language)

        def process_batch(
            self,
            texts: Iterable[str],
            language: str,
            batch_size: int = 1,
            n_process: int = 1,
            **kwargs: Any,
        ) -> Iterator[tuple[str, NlpArtifacts]]:
            for text in texts:
                yield text, self.process_text(text, language)

        def is_stopword(self, word: str, language: str) -> bool:
            return False

        def is_punct(self, word: str, language: str) -> bool:
            return False

        def get_supported_entities(self) -> list[str]:
            return []

        def get_supported_languages(self) -> list[str]:
            return ["en"]

    return StubNlpEngine()


class PresidioEngine:
    """Presidio's predefined pattern recognizers for the kinds it covers."""

    def __init__(self) -> None:
        _offline_tldextract()
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )

        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (
            EmailRecognizer(),
            PhoneRecognizer(),
            IpRecognizer(),
            UsSsnRecognizer(),
            CreditCardRecognizer(),
            IbanRecognizer(),
        ):
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=_no_op_nlp_engine(), supported_languages=["en"]
        )
        self._entities = list(ENTITY_KINDS)

    def analyze(self, text: str) -> list[Any]:
        return list(self._analyzer.analyze(text=text, language="en", entities=self._entities))

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        found = []
        for result in self.analyze(text):
            kind = ENTITY_KINDS[result.entity_type]
            if kind == "ipv4" and ":" in text[result.start : result.end]:
                kind = "ipv6"
            found.append((result.start, result.end, kind))
        return found
