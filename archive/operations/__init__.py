"""Running the archive: backups, restores and the purge journal that outlives them."""
