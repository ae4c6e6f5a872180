"""phase2_dumb_loop"""
