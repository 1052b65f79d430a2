@_exported import FailmixClassify
@_exported import FailmixEvidence
@_exported import FailmixGate
@_exported import FailmixRecords
@_exported import FailmixRender
@_exported import FailmixPublish
@_exported import FailmixGit
@_exported import FailmixConfig
