"""The domain: entities, rules and the workflow definition.

It knows nothing of storage or interfaces.
"""
