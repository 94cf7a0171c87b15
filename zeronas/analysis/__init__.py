"""Studies built on the scorer: how well do proxies predict trained accuracy?"""
