"""How an arXiv id appears in the API's paths: `{arxiv_id:arxiv_id}` takes one segment, or an
old-style archive and number with its slash (`hep-th/9901001v2`), and nothing longer. So
`/papers/2410.12345/vote` is the vote of 2410.12345 for every method: a GET there is a 405
saying which methods it takes, never the paper route reading an id "2410.12345/vote". Nor
are `submit` and `index` ids: `/api/papers/submit` and `/api/papers/index`
(routes/api_hf_submit.py) take POST alone, and a GET there is a 405 too, not the paper route
looking up a paper called "submit"."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class ArxivIdConvertor(Convertor[str]):
    regex = r"(?!(?:submit|index)(?:/|$))[^/]+(?:/[0-9]{7}(?:v[0-9]+)?)?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# Starlette's convertors are global; routes name this one once this module is imported.
register_url_convertor("arxiv_id", ArxivIdConvertor())
ARXIV_ID = "{arxiv_id:arxiv_id}"
