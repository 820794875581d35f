//! Writing pcapng files (pcap-file).
