"""What changed inside a line of code, in any language: identifiers, imports, calls, values.

A small tokenizer that knows no grammar, only what most languages share: quoted strings,
dotted or ``::``-joined names, numbers, punctuation. The changed tokens of an edited line (a
token-level diff) become ``code.renamed`` (a name) or ``code.value_changed`` (a string or
number), with the role the context gives them: an import path, a called function, a named
parameter, or a plain identifier.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.patch import common_ends, similarity
from diffinsight.models import Fact

_TOKEN_RE = re.compile(
    r"""(?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)"""
    # Hyphens join words in URLs, CLI flags and HTTP keys (``api-version``, ``--resource-group``).
    r"|(?P<name>[A-Za-z_$@][\w$]*(?:(?:\.|::|->|/|-)[A-Za-z_$][\w$]*)*)"
    r"|(?P<num>\d[\w.\-]*)"
    r"|(?P<space>\s+)"
    r"|(?P<punct>.)",
    re.UNICODE,
)
_IMPORT_RE = re.compile(
    r"^\s*(?:from\s+\S+\s+import|import|from|using|#\s*include|require|use|library|Import-Module)\b"
    r"|\brequire\s*\(|\bimport\s*\(",
    re.IGNORECASE,
)
_CODE_SUFFIXES = (
    ".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".cs", ".java", ".kt", ".go",
    ".rs", ".rb", ".php", ".c", ".h", ".cc", ".cpp", ".hpp", ".swift", ".scala", ".sh", ".bash",
    ".ps1", ".psm1", ".bicep", ".tf", ".sql", ".r", ".jl", ".dart", ".lua", ".vb", ".fs",
)  # fmt: skip
#: Longer values are not quoted as old -> new.
MAX_VALUE_CHARS = 80
#: Lines longer than this (minified code) are not diffed token by token.
MAX_LINE_CHARS = 1000


def is_code_path(path: str) -> bool:
    """Whether ``path`` is a source file (read as code, not prose)."""
    return path.lower().endswith(_CODE_SUFFIXES)


@dataclass(frozen=True)
class Token:
    """One token of a line of code: its text and what it is (str, name, num, punct)."""

    text: str
    type: str


def tokenize(line: str) -> list[Token]:
    """The non-blank tokens of one line of code, in any language."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(line):
        kind = m.lastgroup or "punct"
        if kind != "space":
            out.append(Token(m.group(0), kind))
    return out


@dataclass(frozen=True)
class CodeEdit:
    """One changed token of a line: ``old`` became ``new``, in the given role."""

    role: str  #: import, call, parameter, identifier (names); string, number (values)
    old: str
    new: str
    param: str | None = None  #: for a value: the name it is assigned to, when the line says


def _role(tokens: list[Token], i: int, line: str) -> str:
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].text if i > 0 else ""
    if _IMPORT_RE.search(line):
        return "import"
    if nxt == "(":
        return "call"
    if nxt in ("=", ":") and prev in ("(", ","):
        return "parameter"
    return "identifier"


def _assigned_to(tokens: list[Token], i: int) -> str | None:
    if i >= 2 and tokens[i - 1].text in ("=", ":") and tokens[i - 2].type in ("name", "str"):
        return tokens[i - 2].text.strip("\"'`")
    return None


def _value(tok: Token) -> str:
    return tok.text[1:-1] if tok.type == "str" else tok.text


def _fine(tokens: list[Token]) -> list[Token]:
    """``tokens`` with paths split at their slashes: in a URL or a shell path one segment
    changes (``$DEPLOYMENT_ID`` -> ``$DEPLOYMENT_NAME``), not the whole path."""
    out: list[Token] = []
    for t in tokens:
        if t.type != "name" or "/" not in t.text:
            out.append(t)
            continue
        for i, part in enumerate(t.text.split("/")):
            if i:
                out.append(Token("/", "punct"))
            if part:
                out.append(Token(part, "name"))
    return out


def code_edits(old: str, new: str) -> list[CodeEdit]:
    """The names and values that changed between two versions of a line of code."""
    if len(old) > MAX_LINE_CHARS or len(new) > MAX_LINE_CHARS:
        return []
    a, b = tokenize(old), tokenize(new)
    if "/" in old or "/" in new:
        # A path's changed segment says more than the whole path: tried first.
        found = _token_edits(_fine(a), _fine(b), new)
        if found:
            return found
    return _token_edits(a, b, new)


def _token_edits(a: list[Token], b: list[Token], new: str) -> list[CodeEdit]:
    sm = difflib.SequenceMatcher(a=[t.text for t in a], b=[t.text for t in b], autojunk=False)
    out: list[CodeEdit] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "replace" or i2 - i1 != j2 - j1:
            continue  # insertions and unequal spans are told as lines, not as renames
        for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
            ta, tb = a[i], b[j]
            if ta.type != tb.type or ta.type == "punct":
                continue
            ov, nv = _value(ta), _value(tb)
            if not ov.strip() or not nv.strip() or ov == nv:
                continue
            if len(ov) > MAX_VALUE_CHARS or len(nv) > MAX_VALUE_CHARS:
                continue
            if ta.type == "name" and (ov in _LITERALS or nv in _LITERALS):
                out.append(CodeEdit("literal", ov, nv, _assigned_to(b, j)))
            elif ta.type == "name":
                if ov in _KEYWORDS or nv in _KEYWORDS:
                    continue  # ``var`` -> ``string`` declares a type: no name was renamed
                role = _role(b, j, new)
                if role == "import" and not _same_import(ov, nv):
                    # ``java.util.List`` -> ``org.slf4j.Logger``: one import put in place of
                    # another (the lines paired by position), not a module renamed or moved.
                    continue
                out.append(CodeEdit(role, ov, nv))
            else:
                role = "string" if ta.type == "str" else "number"
                out.append(CodeEdit(role, ov, nv, _assigned_to(b, j)))
    return out


#: What separates the parts of an imported name (``azure.core``, ``std::io``, ``a/b``).
_SEGMENT_RE = re.compile(r"[./:]+")


def _same_import(old: str, new: str) -> bool:
    """Whether two imported names may be one renamed or moved: they share a part
    (``azure.core`` -> ``azure.identity``) or mostly read alike (``…FormatText`` ->
    ``…Format``)."""
    if set(_SEGMENT_RE.split(old)) & set(_SEGMENT_RE.split(new)):
        return True
    return similarity(old, new) >= 0.5


#: Values spelled as names: a flag set to ``false`` changed a value, it renamed nothing.
_LITERALS = frozenset(
    ["true", "false", "True", "False", "TRUE", "FALSE", "null", "None", "nil", "undefined", "NULL"]
)
#: Words of the languages themselves (declarations, types, modifiers): not names of anything.
_KEYWORDS = frozenset(
    [
        "var",
        "let",
        "const",
        "val",
        "int",
        "string",
        "str",
        "bool",
        "boolean",
        "float",
        "double",
        "long",
        "short",
        "byte",
        "char",
        "void",
        "object",
        "dynamic",
        "auto",
        "public",
        "private",
        "protected",
        "internal",
        "static",
        "final",
        "readonly",
        "async",
        "await",
        "def",
        "function",
        "func",
        "fn",
        "return",
        "new",
        "class",
        "struct",
        "interface",
        "enum",
        "import",
        "from",
        "export",
        "default",
        "using",
        "namespace",
        "package",
        "extends",
        "implements",
        "override",
        "virtual",
        "abstract",
        "sealed",
        # Control flow and operators spelled as words ("case (" is no call of ``case``).
        "if",
        "else",
        "elif",
        "for",
        "foreach",
        "while",
        "do",
        "switch",
        "case",
        "break",
        "continue",
        "try",
        "catch",
        "except",
        "finally",
        "throw",
        "raise",
        "yield",
        "with",
        "lambda",
        "pass",
        "in",
        "is",
        "not",
        "and",
        "or",
        "as",
        "typeof",
        "instanceof",
        "delete",
    ]
)


def changed_stretch(old: str, new: str) -> tuple[str, str] | None:
    """The stretch of a line of code that changed, verbatim on each side (one side may be
    empty), when it is short: from the first to the last differing word of the two lines.

    For an edit that is no token renamed in place: an argument or flag added, a comment
    reworded, a trailing comma dropped. A change of punctuation alone keeps the word before
    it (``10.0,`` -> ``10.0``), so that the quote names where it is.
    """
    if len(old) > MAX_LINE_CHARS or len(new) > MAX_LINE_CHARS:
        return None
    a = _pieces(old)
    b = _pieces(new)
    ta, tb = [t for _, _, t in a], [t for _, _, t in b]
    pre, post = common_ends(ta, tb)
    if pre == len(ta) == len(tb):
        return None
    changed_a = ta[pre : len(ta) - post]
    changed_b = tb[pre : len(tb) - post]
    if not _WORDY_RE.search("".join(changed_a + changed_b)):
        # Punctuation alone: keep the name it follows (``top=5,`` -> ``top=5``).
        start = pre
        while pre > 0 and start - pre < MAX_CONTEXT_PIECES:
            pre -= 1
            if _NAMEISH_RE.match(ta[pre]):
                break
    so = _slice(old, a, pre, len(a) - post)
    sn = _slice(new, b, pre, len(b) - post)
    if max(len(so), len(sn)) > MAX_VALUE_CHARS or not _WORDY_RE.search(so + sn):
        return None
    return so, sn


_WORDY_RE = re.compile(r"\w")
_NAMEISH_RE = re.compile(r"[\"'`A-Za-z_$@]")
#: How far back a change of punctuation looks for the name it belongs to.
MAX_CONTEXT_PIECES = 4


def _pieces(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of the tokens of a line, paths split at slashes, blanks left out."""
    out: list[tuple[int, int, str]] = []
    for m in _TOKEN_RE.finditer(line):
        if m.lastgroup == "space":
            continue
        text, start = m.group(0), m.start()
        if m.lastgroup == "name" and "/" in text:
            pos = start
            for i, part in enumerate(text.split("/")):
                if i:
                    out.append((pos, pos + 1, "/"))
                    pos += 1
                if part:
                    out.append((pos, pos + len(part), part))
                pos += len(part)
            continue
        out.append((start, m.end(), text))
    return out


def _slice(line: str, pieces: list[tuple[int, int, str]], i: int, j: int) -> str:
    return line[pieces[i][0] : pieces[j - 1][1]].strip() if j > i else ""


def code_facts(
    old: str, new: str, where: str | None, lang: str | None, stretch: bool = True
) -> list[Fact]:
    """``code.renamed`` / ``code.value_changed`` facts of one edited line of code; else (with
    ``stretch``) the stretch that changed, as text replaced, inserted or deleted."""
    facts = _token_facts(old, new, where, lang)
    if facts or not stretch:
        return facts
    return stretch_facts(old, new, where, lang)


def stretch_facts(old: str, new: str, where: str | None, lang: str | None) -> list[Fact]:
    """The changed stretch of a line of code (see :func:`changed_stretch`) as one fact."""
    stretch = changed_stretch(old, new)
    if stretch is None:
        return []
    so, sn = stretch
    kind = K.TEXT_REPLACED if so and sn else (K.TEXT_INSERTED if sn else K.TEXT_DELETED)
    return [
        Fact(kind=kind, old=so or None, new=sn or None, where=where, detail={"code": lang or ""})
    ]


def _token_facts(old: str, new: str, where: str | None, lang: str | None) -> list[Fact]:
    facts: list[Fact] = []
    for e in code_edits(old, new):
        kind = (
            K.CODE_RENAMED
            if e.role in ("import", "call", "parameter", "identifier")
            else K.CODE_VALUE_CHANGED
        )
        detail: dict[str, object] = {
            "role": e.role,
            "code": lang or "",
            "key": f"{e.old} → {e.new}",
        }
        if e.param:
            detail["param"] = e.param
        facts.append(Fact(kind=kind, old=e.old, new=e.new, where=where, detail=detail))
    return facts


#: Kinds of things a changed line of code names, most telling first: a command-line option
#: or ``key=value`` argument, a call, a key or named parameter, a qualified name, a string.
_OPTION, _CALL, _KEY, _QUALIFIED, _STRING = range(5)
#: String values longer than this are prose or data, not a name worth listing.
MAX_NAMED_STRING = 60
_OPTION_STR_RE = re.compile(r"^[A-Za-z_][\w.\-]*=\S")


def _mentions(line: str) -> list[tuple[int, str]]:
    """(priority, text) of what one line of code names; each text is verbatim in the line."""
    if len(line) > MAX_LINE_CHARS:
        return []
    toks = tokenize(line)
    out: list[tuple[int, str]] = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if t.type == "name":
            if not 2 <= len(t.text) <= MAX_VALUE_CHARS:
                continue
            dashes = 0
            while i - dashes - 1 >= 0 and toks[i - dashes - 1].text == "-" and dashes < 2:
                dashes += 1
            flag = "-" * dashes + t.text
            if dashes and re.search(r"(?:^|[\s\"'])" + re.escape(flag) + r"(?![\w-])", line):
                out.append((_OPTION, flag))
            elif nxt == "(":
                out.append((_CALL, t.text))
            elif nxt in ("=", ":"):
                out.append((_KEY, t.text))
            elif any(sep in t.text for sep in (".", "::", "->", "-", "_")):
                out.append((_QUALIFIED, t.text))
        elif t.type == "str":
            value = t.text[1:-1].strip()
            if not value or len(value) > MAX_NAMED_STRING or value != t.text[1:-1]:
                continue
            if _OPTION_STR_RE.match(value):
                out.append((_OPTION, value))
            elif nxt == ":":
                out.append((_KEY, value))
            elif any(c.isalpha() for c in value):
                out.append((_STRING, value))
    return out


def changed_names(
    old_lines: list[str], new_lines: list[str], context: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """(gained, lost): what the new lines name that the old ones (and the unchanged lines
    around them) do not, and the reverse; most telling first, each once."""
    around = " ".join(context or [])

    def names(lines: list[str], other: list[str]) -> list[str]:
        seen = {text for line in other for _, text in _mentions(line)}
        others = "\n".join(other)
        found: dict[str, int] = {}
        for line in lines:
            for prio, text in _mentions(line):
                if text in seen or text in found or text in around:
                    continue
                if prio == _STRING and text in others:
                    continue
                found[text] = prio
        return sorted(found, key=lambda t: found[t])  # stable: line order within a priority

    return names(new_lines, old_lines), names(old_lines, new_lines)


#: A list of names keeps at most this many; a longer one keeps only what a sentence shows.
MAX_KEPT_NAMES = 40


def listed(names: list[str], shown: int = 3) -> dict[str, object]:
    """``names`` for a fact's detail, with ``more``: how many a sentence showing ``shown``
    leaves unsaid (a count the diff supports). Over :data:`MAX_KEPT_NAMES`, only the first
    ``shown`` are kept, and no count is claimed."""
    if len(names) > MAX_KEPT_NAMES:
        return {"names": names[:shown]}
    if len(names) > shown:
        return {"names": names, "more": len(names) - shown}
    return {"names": names}
