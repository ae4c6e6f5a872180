"""phase0_setup"""
