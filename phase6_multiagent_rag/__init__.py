"""phase6_multiagent_rag"""
