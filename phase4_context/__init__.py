"""phase4_context"""
