"""What the register needs to know about the catalog in use (release id, version, checksum)."""

from catalog.engine import current_catalog


def catalog_release_info(catalog=None) -> dict:
    catalog = catalog or current_catalog()
    return {"release_id": catalog.release_id, "version": catalog.version or "", "checksum": catalog.checksum or ""}
