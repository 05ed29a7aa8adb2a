"""Collections: researchers' clips, packets, IIIF manifests and citations."""
