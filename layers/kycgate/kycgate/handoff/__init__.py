"""The phone/desktop handoff session shared by Re-Use KYC and KYC submit links: token, slots, connect."""
