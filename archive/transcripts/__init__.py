"""Transcripts: the pipeline, the job queue, public text and editing."""
