"""phase1_tinylm"""
