"""Sanctions lists as data: parsers (ofac, un, addresses), the index compiler (build), the
publisher (importer, store) and the container's lazily loaded index (loader).

    from kycgate.compliance.lists import get_index, NoListLoaded
"""

from kycgate.compliance.lists.loader import NoListLoaded, get_index, loaded_version, reset

__all__ = ["NoListLoaded", "get_index", "loaded_version", "reset"]
