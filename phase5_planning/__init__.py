"""phase5_planning"""
