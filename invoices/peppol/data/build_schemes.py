"""Build participant_schemes.json from OpenPEPPOL's published code lists.

Run once per code-list release and commit the result; the portal never reads the
upstream files at run time:

    python invoices/peppol/data/build_schemes.py \\
        ../shared/peppol/participant-identifier-schemes-v9.7.json \\
        ../shared/peppol/bis-billing-3/eas-codelist.xml

Only what the portal uses is kept. The upstream validation patterns are left out on
purpose: some are wrong (0106 says 17 digits; a KvK number has 8), so the format of each
scheme is decided in identifiers.py instead.
"""

import json
import re
import sys
from pathlib import Path

from lxml import etree

OUTPUT = Path(__file__).with_name("participant_schemes.json")
EAS_NS = {"cl": "urn:fdc:difi.no:2017:vefa:structure:CodeList-1"}
# The code list says which scheme replaces a retired one only in free text.
SUCCESSOR = re.compile(r"\b(?:use|replaced by|in favour of)\s+(\d{4})\b", re.IGNORECASE)


def eas_codes(path: Path) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    return sorted(code.strip() for code in tree.xpath("//cl:Code/cl:Id/text()", namespaces=EAS_NS))


def scheme_entry(value: dict, eas: set[str]) -> dict:
    successor = None
    if value["state"] != "active":
        match = SUCCESSOR.search(value.get("usage", ""))
        successor = match.group(1) if match else None
    return {
        "code": value["iso6523"],
        "scheme_id": value["schemeid"],
        "country": value["country"],
        "name": " ".join(value["scheme-name"].split()),
        "state": value["state"],
        "eas": value["iso6523"] in eas,
        "successor": successor,
        "removal_date": value.get("removal-date"),
    }


def build(schemes_json: Path, eas_xml: Path) -> dict:
    code_list = json.loads(schemes_json.read_text(encoding="utf-8"))
    eas = eas_codes(eas_xml)
    listed = set(eas)
    return {
        "code_list_version": code_list["version"],
        "sources": [schemes_json.name, eas_xml.name],
        "schemes": [scheme_entry(value, listed) for value in code_list["values"]],
        "eas_codes": eas,
    }


def dump(data: dict) -> str:
    """JSON with one scheme per line, so that a new code-list release reads well as a diff."""
    lines = ["{"]
    lines += [
        f" {json.dumps(key)}: {json.dumps(data[key])}," for key in ("code_list_version", "sources")
    ]
    lines.append(' "schemes": [')
    lines.append(
        ",\n".join(f"  {json.dumps(entry, ensure_ascii=False)}" for entry in data["schemes"])
    )
    lines.append(" ],")
    lines.append(f' "eas_codes": {json.dumps(data["eas_codes"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = build(Path(argv[0]), Path(argv[1]))
    OUTPUT.write_text(dump(data), encoding="utf-8")
    print(f"{len(data['schemes'])} schemes, {len(data['eas_codes'])} EAS codes -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
