"""The JSON parser and renderer of the API, hardened against bodies meant to crash it.

DRF's JSONParser hands the body to `json.load`, whose recursion fails with RecursionError on a
body nested a few thousand levels deep (a 500), and accepts lone UTF-16 surrogates (`"\\ud800"`)
that no UTF-8 encoder (the renderer echoing an error, PostgreSQL) can write. This parser reads at
most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 beyond), measures the nesting before parsing (400
beyond MAX_JSON_DEPTH) and refuses lone surrogates (400).
"""

import codecs
import json
import re

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import renderers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from cluster_platform.exceptions import RequestTooLarge

# Deeper than any document the API takes (eligibility rules nest a few levels).
MAX_JSON_DEPTH = 64

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", raw))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise ParseError(_("JSON nested deeper than %(depth)d levels.") % {"depth": MAX_JSON_DEPTH})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=self._refuse_constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
        if _SURROGATE_ESCAPE.search(raw):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(_("JSON holds an unpaired UTF-16 surrogate.")) from None
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not valid JSON")


class SafeJSONRenderer(renderers.JSONRenderer):
    """Renders any string, even one holding a lone surrogate (escaped), instead of failing with a 500."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True
            return super().render(data, accepted_media_type, renderer_context)
