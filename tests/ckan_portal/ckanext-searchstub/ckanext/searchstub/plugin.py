"""TEST ONLY: CKAN 2.12 package search answered from the database instead of Solr.

Never shipped. See README.md next to pyproject.toml.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import logging
import re
from typing import Any

import ckan.lib.plugins as lib_plugins
import ckan.lib.search as search
import ckan.logic as logic
import ckan.model as model
import ckan.plugins as p
from ckan.common import config
from ckan.lib.navl.dictization_functions import MissingNullEncoder
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.lib.search.query import VALID_SOLR_PARAMETERS, PackageSearchQuery

log = logging.getLogger(__name__)

# Solr "text" fields (tokenised, case-insensitive); every other field matches exactly.
TEXT_FIELDS = {"text", "title", "notes", "res_name", "res_description", "author", "maintainer"}
NUMERIC_FIELDS = {"num_resources", "num_tags"}
# fmt: off
PACKAGE_COLUMNS = ("id", "name", "title", "notes", "url", "version", "author", "author_email",
                   "maintainer", "maintainer_email", "license_id", "state", "type", "owner_org",
                   "creator_user_id", "private")
# What a bare word (Solr's "text" catch-all field) is searched in.
CATCH_ALL = ("name", "title", "notes", "tags", "groups", "organization", "res_name",
             "res_description", "res_format", "author", "maintainer", "license_id", "url",
             "version")
# fmt: on
_WORD = re.compile(r"[^\W_]+")


# --------------------------------------------------------------------------- indexing
class NoopPackageIndex(search.PackageSearchIndex):
    def index_package(self, pkg_dict: Any, defer_commit: bool = False) -> None:
        pass

    def delete_package(self, pkg_dict: Any) -> None:
        pass

    def commit(self) -> None:
        pass

    def clear(self) -> None:
        pass


# --------------------------------------------------------------------------- query parser
def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text)]


def _stem(tok: str) -> str:
    for suffix, minlen in (("ing", 6), ("ed", 5), ("s", 4)):
        if tok.endswith(suffix) and len(tok) >= minlen and not tok.endswith(("ss", "us", "is")):
            return tok[: -len(suffix)]
    return tok


class _Parser:
    """Recursive descent over a Lucene subset. Nodes: ("all",), ("not", n), ("and", [n]),
    ("or", [n]), ("term", field, value, kind) with kind in word/phrase/range."""

    def __init__(self, text: str):
        self.s, self.i = text, 0

    def parse(self) -> tuple:
        node = self._or(None)
        self._ws()
        if self.i < len(self.s):
            raise SearchQueryError(f"searchstub: cannot parse {self.s!r} at {self.i}")
        return node

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _kw(self, *words: str) -> str | None:
        self._ws()
        for w in words:
            end = self.i + len(w)
            if self.s.startswith(w, self.i) and (not w.isalpha() or end >= len(self.s) or self.s[end] in " \t\n()"):
                self.i = end
                return w
        return None

    def _or(self, field: str | None) -> tuple:
        nodes = [self._and(field)]
        while self._kw("OR", "||"):
            nodes.append(self._and(field))
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def _and(self, field: str | None) -> tuple:
        nodes = []
        while True:
            self._ws()
            if self.i >= len(self.s) or self.s[self.i] == ")":
                break
            save = self.i
            if self._kw("OR", "||"):
                self.i = save
                break
            self._kw("AND", "&&")
            nodes.append(self._unary(field))
        if not nodes:
            raise SearchQueryError(f"searchstub: empty clause in {self.s!r}")
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def _unary(self, field: str | None) -> tuple:
        if self._kw("NOT", "!", "-"):
            return ("not", self._unary(field))
        if self._kw("+"):
            return self._unary(field)
        return self._primary(field)

    def _primary(self, field: str | None) -> tuple:
        self._ws()
        if self.i >= len(self.s):
            raise SearchQueryError(f"searchstub: unexpected end of {self.s!r}")
        if self.s.startswith("(", self.i):
            self.i += 1
            node = self._or(field)
            if not self._kw(")"):
                raise SearchQueryError(f"searchstub: missing ')' in {self.s!r}")
            self._boost()
            return node
        if self.s.startswith('"', self.i):
            return ("term", field, self._quoted(), "phrase")
        if self.s[self.i] in "[{":
            return self._range(field)
        word = self._word()
        m = re.match(r"^([\w.\-*]+):(.*)$", word, re.S) if not word.startswith("\\") else None
        if m and field is None:
            name, rest = m.group(1), m.group(2)
            if rest:
                return ("all",) if (name, rest) == ("*", "*") else self._value(name, rest)
            self._ws()
            return self._primary(name)
        return self._value(field, word)

    def _value(self, field: str | None, raw: str) -> tuple:
        return (
            "term",
            field,
            re.sub(r"\\(.)", r"\1", raw),
            "wild" if re.search(r"(?<!\\)[*?]", raw) else "word",
        )

    def _word(self) -> str:
        start = self.i
        while self.i < len(self.s) and not self.s[self.i].isspace() and self.s[self.i] not in "()":
            if self.s[self.i] == "\\":
                self.i += 1
            elif self.s[self.i] == ":" and self.s.startswith(('"', "(", "[", "{"), self.i + 1):
                self.i += 1
                break
            self.i += 1
        word = self.s[start : self.i]
        self._boost()
        return re.sub(r"\^[\d.]+$", "", word)

    def _quoted(self) -> str:
        m = re.compile(r'"((?:[^"\\]|\\.)*)"(~\d+)?').match(self.s, self.i)
        if not m:
            raise SearchQueryError(f"searchstub: unterminated quote in {self.s!r}")
        self.i = m.end()
        self._boost()
        return re.sub(r"\\(.)", r"\1", m.group(1))

    def _range(self, field: str | None) -> tuple:
        m = re.compile(r"([\[{])\s*(\S+)\s+TO\s+(\S+?)\s*([\]}])").match(self.s, self.i)
        if not m or field is None:
            raise SearchQueryError(f"searchstub: bad range in {self.s!r}")
        self.i = m.end()
        lo, hi = (_date_math(v.strip('"')) for v in (m.group(2), m.group(3)))
        return ("term", field, (lo, hi, m.group(1) == "[", m.group(4) == "]"), "range")

    def _boost(self) -> None:
        m = re.compile(r"\^[\d.]+").match(self.s, self.i)
        if m:
            self.i = m.end()


def _date_math(v: str) -> str:
    m = re.fullmatch(r"NOW(?:([+-]\d+)(DAY|HOUR|MINUTE)S?)?(?:/\w+)?", v)
    if not m:
        return v
    now = datetime.datetime.utcnow()
    if m.group(1):
        now += datetime.timedelta(**{m.group(2).lower() + "s": int(m.group(1))})
    return now.isoformat() + "Z"


# --------------------------------------------------------------------------- matching
def _values(doc: dict[str, Any], field: str) -> list[Any]:
    v = doc.get(field)
    if v is None:
        return []
    return [x for x in (v if isinstance(v, list) else [v]) if x is not None and x != ""]


def _phrase_in(q: list[str], toks: list[str]) -> bool:
    n = len(q)
    return any(toks[k : k + n] == q for k in range(len(toks) - n + 1))


def _match_term(doc: dict[str, Any], field: str | None, value: Any, kind: str) -> bool:
    if field in (None, "text", "_text_"):
        field, values = "text", doc["_all"]
    elif field in ("name_ngram", "title_ngram") and kind != "range":  # autocomplete
        return any(str(value).lower() in str(v).lower() for v in _values(doc, field[:-6]))
    else:
        values = _values(doc, field)
    if kind == "range":
        lo, hi, lo_inc, hi_inc = value
        for v in values:
            if field in NUMERIC_FIELDS:
                v, lo_, hi_ = (
                    float(v),
                    (None if lo == "*" else float(lo)),
                    (None if hi == "*" else float(hi)),
                )
            else:
                v, lo_, hi_ = str(v), (None if lo == "*" else lo), (None if hi == "*" else hi)
            if (lo_ is None or v > lo_ or (lo_inc and v == lo_)) and (hi_ is None or v < hi_ or (hi_inc and v == hi_)):
                return True
        return False
    if kind == "wild" and value == "*":
        return bool(values)
    strs = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    if field not in TEXT_FIELDS:
        if kind == "wild":
            return any(fnmatch.fnmatchcase(s, value) for s in strs)
        return value in strs
    if kind == "wild":
        pat = value.lower()
        return any(
            fnmatch.fnmatchcase(s.lower(), pat) or any(fnmatch.fnmatchcase(t, pat) for t in _tokens(s)) for s in strs
        )
    q = [_stem(t) for t in _tokens(value)]
    return bool(q) and any(_phrase_in(q, [_stem(t) for t in _tokens(s)]) for s in strs)


def _match(node: tuple, doc: dict[str, Any]) -> bool:
    op = node[0]
    if op == "all":
        return True
    if op == "not":
        return not _match(node[1], doc)
    if op == "and":
        return all(_match(n, doc) for n in node[1])
    if op == "or":
        return any(_match(n, doc) for n in node[1])
    return _match_term(doc, node[1], node[2], node[3])


# --------------------------------------------------------------------------- documents
def _iso(d: datetime.datetime | None) -> str | None:
    return d.isoformat() + "Z" if d else None


def _documents() -> list[dict[str, Any]]:
    """One Solr-like document per dataset, built with a handful of bulk queries."""
    S = model.Session
    groups = {g.id: g for g in S.query(model.Group).filter(model.Group.state == "active")}
    vocabs = dict(S.query(model.Vocabulary.id, model.Vocabulary.name))
    members: dict[str, list[str]] = {}
    for pid, gid in S.query(model.Member.table_id, model.Member.group_id).filter(
        model.Member.table_name == "package", model.Member.state == "active"
    ):
        g = groups.get(gid)
        if g is not None and not g.is_organization:
            members.setdefault(pid, []).append(g.name)
    tags: dict[str, list[tuple[str, str | None]]] = {}
    for pid, name, vocab_id in (
        S.query(model.PackageTag.package_id, model.Tag.name, model.Tag.vocabulary_id)
        .join(model.Tag, model.Tag.id == model.PackageTag.tag_id)
        .filter(model.PackageTag.state == "active")
    ):
        tags.setdefault(pid, []).append((name, vocab_id))
    resources: dict[str, list[Any]] = {}
    R = model.Resource
    for row in (
        S.query(R.package_id, R.name, R.description, R.format, R.url, R.resource_type)
        .filter(R.state == "active")
        .order_by(R.position)
    ):
        resources.setdefault(row[0], []).append(row)
    labels = lib_plugins.get_permission_labels()
    site_id = config.get("ckan.site_id")
    docs = []
    for pkg in S.query(model.Package):
        org = groups.get(pkg.owner_org) if pkg.owner_org else None
        res = resources.get(pkg.id, [])
        doc: dict[str, Any] = {c: getattr(pkg, c) for c in PACKAGE_COLUMNS}
        doc.update(
            title_string=pkg.title,
            dataset_type=pkg.type,
            entity_type="package",
            site_id=site_id,
            capacity="private" if pkg.private else "public",
            organization=org.name if org else None,
            metadata_created=_iso(pkg.metadata_created),
            metadata_modified=_iso(pkg.metadata_modified),
            groups=members.get(pkg.id, []),
            tags=[t for t, v in tags.get(pkg.id, []) if not v],
            res_name=[r[1] or "" for r in res],
            res_description=[r[2] or "" for r in res],
            res_format=[r[3] or "" for r in res],
            res_url=[r[4] or "" for r in res],
            res_type=[r[5] or "" for r in res],
            num_resources=len(res),
            num_tags=len(tags.get(pkg.id, [])),
            permission_labels=labels.get_dataset_labels(pkg),
        )
        for t, v in tags.get(pkg.id, []):
            if v:
                doc.setdefault(f"vocab_{vocabs.get(v, v)}", []).append(t)
        for k, v in (pkg.extras or {}).items():
            doc["extras_" + k] = v
            doc.setdefault(k, v)
        doc["_all"] = [x for f in CATCH_ALL for x in _values(doc, f)]
        doc["_all"] += list((pkg.extras or {}).values())
        docs.append(doc)
    return docs


def _package_dicts(doc: dict[str, Any]) -> dict[str, str]:
    if "_dicts" not in doc:
        plain, validated = logic.package_show_default_and_custom_schemas({"session": model.Session}, doc["id"])
        doc["_dicts"] = {
            "data_dict": json.dumps(plain, default=str),
            "validated_data_dict": json.dumps(validated, cls=MissingNullEncoder),
        }
    return doc["_dicts"]


def _sort(docs: list[dict[str, Any]], sort: str) -> None:
    keys = []
    for part in filter(None, (s.strip() for s in (sort or "").split(","))):
        field, _, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise SearchQueryError('Invalid "sort" parameter')
        if field != "score":
            keys.append((field, direction == "desc"))
    for field, desc in reversed(keys):

        def key(d: dict[str, Any], field: str = field, desc: bool = desc) -> tuple:
            v = d.get(field)
            v = v[0] if isinstance(v, list) and v else v
            if v is None or v == []:
                return (0 if desc else 1, "")
            return (1 if desc else 0, v if field in NUMERIC_FIELDS else str(v).lower())

        docs.sort(key=key, reverse=desc)


# --------------------------------------------------------------------------- patched methods
def get_index(self: PackageSearchQuery, reference: str) -> dict[str, Any]:
    raise SearchError(f"searchstub: no search index, read {reference} from the database")


def get_all_entity_ids(self: PackageSearchQuery, max_results: int = 1000) -> list[str]:
    q = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    return [r[0] for r in q.limit(max_results)]


def run(
    self: PackageSearchQuery,
    query: dict[str, Any],
    permission_labels: list[str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    invalid = set(query.keys()) - VALID_SOLR_PARAMETERS
    if invalid:
        raise SearchQueryError(f"Invalid search parameters: {sorted(invalid)}")
    q = query.get("q")
    if not q or q in ('""', "''"):
        q = "*:*"
    fq = [query["fq"]] if query.get("fq") else []
    fq.extend(query.get("fq_list", []) or [])
    if not any("+state:" in f for f in fq):
        fq.append("+state:active")
    fq.append(f'+site_id:"{config.get("ckan.site_id")}"')
    for text in [q, *fq]:
        if isinstance(text, str) and text.strip().startswith("{!"):
            raise SearchError("searchstub: local parameters are not supported")
    trees = [_Parser(t).parse() for t in [q, *fq] if t and t.strip()]
    allowed = set(permission_labels) if permission_labels is not None else None
    docs = [
        d
        for d in _documents()
        if (allowed is None or allowed.intersection(d["permission_labels"])) and all(_match(t, d) for t in trees)
    ]
    _sort(docs, query.get("sort") or config.get("ckan.search.default_package_sort"))

    self.count = len(docs)
    self.facets = {}
    if str(query.get("facet", "true")).lower() == "true":
        fields = query.get("facet.field") or []
        if isinstance(fields, str):
            fields = json.loads(fields) if fields.startswith("[") else [fields]
        limit = query.get("facet.limit")
        limit = int(config.get("search.facets.limit") if limit in (None, "") else limit)
        mincount = int(query.get("facet.mincount", 1))
        for field in fields:
            counts: dict[str, int] = {}
            for d in docs:
                for v in {str(x).lower() if isinstance(x, bool) else str(x) for x in _values(d, field)}:
                    counts[v] = counts.get(v, 0) + 1
            items = sorted((kv for kv in counts.items() if kv[1] >= mincount), key=lambda kv: (-kv[1], kv[0]))
            self.facets[field] = dict(items if limit < 0 else items[:limit])

    start, rows = int(query.get("start", 0) or 0), int(query.get("rows", 10))
    page = docs[start : start + max(rows, 0)]
    fl = [f for f in re.split(r"[\s,]+", query.get("fl") or "name") if f]
    if fl in (["id"], ["name"]):
        self.results = [d[fl[0]] for d in page]
    else:
        self.results = []
        for d in page:
            wanted = [k for k in d if not k.startswith("_")] if "*" in fl else fl
            out = {
                k: (_package_dicts(d)[k] if k in ("data_dict", "validated_data_dict") else d.get(k))
                for k in wanted
                if k in d or k.endswith("data_dict")
            }
            out["extras"] = {k[len("extras_") :]: out.pop(k) for k in list(out) if k.startswith("extras_")}
            self.results.append(out)
    return {"results": self.results, "count": self.count}


def install() -> None:
    """Idempotently patch CKAN's search layer (the registry and the class itself)."""
    search._INDICES["package"] = NoopPackageIndex
    PackageSearchQuery.get_index = get_index  # type: ignore[method-assign]
    PackageSearchQuery.get_all_entity_ids = get_all_entity_ids  # type: ignore[method-assign]
    PackageSearchQuery.run = run  # type: ignore[method-assign]
    PackageSearchQuery.__call__ = run  # type: ignore[method-assign]


class SearchStubPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurable)

    def configure(self, config_: Any) -> None:
        install()
        log.warning("searchstub: TEST ONLY package search from the database, not Solr")


install()
