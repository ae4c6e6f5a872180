"""phase3_tools"""
