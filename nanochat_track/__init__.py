"""nanochat_track"""
