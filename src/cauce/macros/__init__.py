"""The team's own saved replies (macros), per brand, inserted from the reply composer."""
