"""Report files in: reading and decoding each format, cleaning web-scrape noise, chunking, preparing for a store."""
