"""Answering: analyse the question, retrieve, extract, verify, compose."""
